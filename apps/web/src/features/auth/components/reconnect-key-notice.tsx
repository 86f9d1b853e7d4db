import { useMutation } from '@tanstack/react-query';
import { Button } from '../../../components/ui/button';
import { logout } from '../api/auth.api';
import { useAuthNoticeStore } from '../stores/auth-notice.store';

/**
 * The exchange refused the stored key (revoked or replaced): the server stopped watching the
 * account, so say so and offer to connect a key again. That signs out first (the server
 * forgets the refused key), then the connect screen opens with the reason.
 */
export function ReconnectKeyNotice({ onSignedOut }: { onSignedOut: () => void }) {
  const setNotice = useAuthNoticeStore((state) => state.setNotice);
  const reconnect = useMutation({
    mutationFn: logout,
    onSettled: () => {
      setNotice('key_rejected');
      onSignedOut();
    },
  });
  return (
    <div
      role="alert"
      data-testid="key-rejected"
      className="flex flex-wrap items-center gap-x-4 gap-y-2 border-b border-loss/40 bg-loss/10 px-3 py-2 text-sm sm:px-4"
    >
      <p className="min-w-0 flex-1">
        <span className="font-semibold text-loss">Kalshi rejected your API key.</span> It was revoked or
        replaced. The figures shown are the last ones received and are no longer updated.
      </p>
      <Button size="sm" onClick={() => reconnect.mutate()} disabled={reconnect.isPending}>
        {reconnect.isPending ? 'Signing out…' : 'Reconnect your key'}
      </Button>
    </div>
  );
}
