import type { HTMLAttributes } from 'react';
import { cn } from '../../lib/cn';

const variants = {
  default: 'bg-muted text-foreground',
  primary: 'bg-primary text-primary-foreground',
  outline: 'border text-foreground',
  gain: 'bg-gain/15 text-gain',
  loss: 'bg-loss/15 text-loss',
  warn: 'bg-warn/15 text-warn',
} as const;

export interface BadgeProps extends HTMLAttributes<HTMLSpanElement> {
  variant?: keyof typeof variants;
}

export function Badge({ variant = 'default', className, ...props }: BadgeProps) {
  return (
    <span
      className={cn(
        'inline-flex items-center gap-1 rounded px-1.5 py-0.5 text-xs font-medium whitespace-nowrap',
        variants[variant],
        className,
      )}
      {...props}
    />
  );
}
