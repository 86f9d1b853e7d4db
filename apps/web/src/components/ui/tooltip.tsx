import type { ReactNode } from 'react';
import { useId } from 'react';
import { cn } from '../../lib/cn';

/** A CSS-only tooltip shown on hover and keyboard focus; the text is also the accessible description. */
export function Tooltip({
  content,
  children,
  className,
}: {
  content: string;
  children: ReactNode;
  className?: string;
}) {
  const id = useId();
  return (
    <span className={cn('group relative inline-flex', className)} aria-describedby={id}>
      {children}
      <span
        id={id}
        role="tooltip"
        className="pointer-events-none absolute top-full right-0 z-50 mt-1 hidden w-max max-w-64 rounded bg-foreground px-2 py-1 text-xs text-background shadow group-focus-within:block group-hover:block"
      >
        {content}
      </span>
    </span>
  );
}
