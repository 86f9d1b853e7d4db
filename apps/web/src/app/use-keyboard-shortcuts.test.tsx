import { render, renderHook } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { useKeyboardShortcuts, type ShortcutActions } from './use-keyboard-shortcuts';

function actions() {
  const fn = () => vi.fn<() => void>();
  return {
    goMarkets: fn(),
    goPortfolio: fn(),
    focusSearch: fn(),
    showHelp: fn(),
    toggleTheme: fn(),
    refresh: fn(),
  } satisfies ShortcutActions;
}

describe('useKeyboardShortcuts', () => {
  it('runs single keys and "g then x" sequences', async () => {
    const a = actions();
    renderHook(() => useKeyboardShortcuts(a));
    await userEvent.keyboard('gm');
    expect(a.goMarkets).toHaveBeenCalledTimes(1);
    await userEvent.keyboard('gp');
    expect(a.goPortfolio).toHaveBeenCalledTimes(1);
    await userEvent.keyboard('/?tr');
    expect(a.focusSearch).toHaveBeenCalledTimes(1);
    expect(a.showHelp).toHaveBeenCalledTimes(1);
    expect(a.toggleTheme).toHaveBeenCalledTimes(1);
    expect(a.refresh).toHaveBeenCalledTimes(1);
  });

  it('stays out of the way while typing in a field', async () => {
    const a = actions();
    renderHook(() => useKeyboardShortcuts(a));
    const { getByRole } = render(<input aria-label="field" />);
    await userEvent.click(getByRole('textbox', { name: 'field' }));
    await userEvent.keyboard('gm/t');
    expect(a.goMarkets).not.toHaveBeenCalled();
    expect(a.focusSearch).not.toHaveBeenCalled();
    expect(a.toggleTheme).not.toHaveBeenCalled();
    expect(getByRole('textbox', { name: 'field' })).toHaveValue('gm/t');
  });
});
