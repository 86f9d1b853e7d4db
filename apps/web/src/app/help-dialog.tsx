import { Dialog } from '../components/ui/dialog';
import { Kbd } from '../components/ui/kbd';
import { shortcutList } from './use-keyboard-shortcuts';

export function HelpDialog({ isOpen, onClose }: { isOpen: boolean; onClose: () => void }) {
  return (
    <Dialog isOpen={isOpen} onClose={onClose} title="Keyboard shortcuts">
      <dl className="space-y-2">
        {shortcutList.map((s) => (
          <div key={s.description} className="flex items-center justify-between gap-4">
            <dt className="text-sm">{s.description}</dt>
            <dd className="flex gap-1">
              {s.keys.map((k, i) => (
                <span key={k} className="flex items-center gap-1">
                  {i > 0 ? <span className="text-xs text-muted-foreground">then</span> : null}
                  <Kbd>{k}</Kbd>
                </span>
              ))}
            </dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}
