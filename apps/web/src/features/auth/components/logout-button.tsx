import { useMutation } from '@tanstack/react-query';
import { Button } from '../../../components/ui/button';
import { logout } from '../api/auth.api';

/** Ends the session on the server (stored key deleted, stream closed), then tells the app. */
export function LogoutButton({ onLoggedOut }: { onLoggedOut: () => void }) {
  const mutation = useMutation({ mutationFn: logout, onSettled: onLoggedOut });
  return (
    <Button variant="ghost" size="sm" onClick={() => mutation.mutate()} disabled={mutation.isPending}>
      {mutation.isPending ? 'Signing out…' : 'Log out'}
    </Button>
  );
}
