import type { SelectHTMLAttributes } from 'react';
import { cn } from '../../lib/cn';

export interface SelectOption<V extends string> {
  value: V;
  label: string;
}

export interface SelectProps<V extends string> extends Omit<
  SelectHTMLAttributes<HTMLSelectElement>,
  'onChange' | 'value'
> {
  value: V;
  options: readonly SelectOption<V>[];
  onValueChange: (value: V) => void;
}

/** A native select (accessible and keyboard-friendly everywhere), styled. */
export function Select<V extends string>({
  value,
  options,
  onValueChange,
  className,
  ...props
}: SelectProps<V>) {
  return (
    <select
      value={value}
      onChange={(event) => {
        const found = options.find((o) => o.value === event.target.value);
        if (found) onValueChange(found.value);
      }}
      className={cn('h-9 rounded-md border bg-background px-2 text-sm', className)}
      {...props}
    >
      {options.map((option) => (
        <option key={option.value} value={option.value}>
          {option.label}
        </option>
      ))}
    </select>
  );
}
