import type { HTMLAttributes } from 'react';
import { cn } from '../../lib/cn';

export function Kbd({ className, ...props }: HTMLAttributes<HTMLElement>) {
  return (
    <kbd className={cn('rounded border bg-muted px-1.5 py-0.5 font-mono text-xs', className)} {...props} />
  );
}
