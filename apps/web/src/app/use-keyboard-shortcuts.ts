import { useEffect, useRef } from 'react';

export interface ShortcutActions {
  goMarkets: () => void;
  goPortfolio: () => void;
  focusSearch: () => void;
  showHelp: () => void;
  toggleTheme: () => void;
  refresh: () => void;
}

export const shortcutList: readonly { keys: string[]; description: string }[] = [
  { keys: ['g', 'm'], description: 'Go to markets' },
  { keys: ['g', 'p'], description: 'Go to portfolio' },
  { keys: ['/'], description: 'Search markets' },
  { keys: ['r'], description: 'Refresh account data' },
  { keys: ['t'], description: 'Toggle dark / light theme' },
  { keys: ['?'], description: 'Show these shortcuts' },
  { keys: ['Esc'], description: 'Close a dialog' },
];

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** Single keys and "g then x" sequences; ignored while typing in a field or with modifiers. */
export function useKeyboardShortcuts(actions: ShortcutActions, isEnabled = true): void {
  const actionsRef = useRef(actions);
  actionsRef.current = actions;

  useEffect(() => {
    if (!isEnabled) return undefined;
    let pendingG = 0;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.metaKey || event.ctrlKey || event.altKey || isTyping(event.target))
        return;
      if (document.querySelector('[aria-modal="true"]')) return;
      const a = actionsRef.current;
      const now = Date.now();
      if (pendingG && now - pendingG < 1500) {
        pendingG = 0;
        if (event.key === 'm') a.goMarkets();
        else if (event.key === 'p') a.goPortfolio();
        else return;
        event.preventDefault();
        return;
      }
      switch (event.key) {
        case 'g':
          pendingG = now;
          return;
        case '/':
          a.focusSearch();
          break;
        case '?':
          a.showHelp();
          break;
        case 't':
          a.toggleTheme();
          break;
        case 'r':
          a.refresh();
          break;
        default:
          return;
      }
      event.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [isEnabled]);
}
