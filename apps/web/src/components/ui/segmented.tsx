import { cn } from '../../lib/cn';
import type { SelectOption } from './select';

/** A small radio group rendered as joined buttons (mark basis, chart range). */
export function Segmented<V extends string>({
  label,
  value,
  options,
  onValueChange,
  className,
}: {
  label: string;
  value: V;
  options: readonly SelectOption<V>[];
  onValueChange: (value: V) => void;
  className?: string;
}) {
  return (
    <div
      role="radiogroup"
      aria-label={label}
      className={cn('inline-flex rounded-md border p-0.5', className)}
    >
      {options.map((option) => {
        const isChecked = option.value === value;
        return (
          <button
            key={option.value}
            type="button"
            role="radio"
            aria-checked={isChecked}
            onClick={() => onValueChange(option.value)}
            className={cn(
              'rounded px-2.5 py-1 text-xs font-medium transition-colors',
              isChecked ? 'bg-primary text-primary-foreground' : 'text-muted-foreground hover:bg-muted',
            )}
          >
            {option.label}
          </button>
        );
      })}
    </div>
  );
}
