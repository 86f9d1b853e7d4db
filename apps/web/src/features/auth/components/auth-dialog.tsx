import type { AppConfigResponse } from '@kalshi-desk/contracts';
import { useMutation } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { Badge } from '../../../components/ui/badge';
import { Button } from '../../../components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '../../../components/ui/card';
import { Input, Textarea } from '../../../components/ui/input';
import { Label } from '../../../components/ui/label';
import { isApiError } from '../../../lib/api-client';
import { authenticate, authenticateDemo } from '../api/auth.api';
import { useAuthNoticeStore } from '../stores/auth-notice.store';
import { describeAuthError, environmentLabel } from './auth-error-message';

/** Connect a Kalshi API key (id + RSA private key) or, in simulator mode, the demo account. */
export function AuthDialog({
  config,
  onAuthenticated,
}: {
  config: AppConfigResponse | undefined;
  onAuthenticated: () => void;
}) {
  const keyIdId = useId();
  const keyId = useId();
  const errorId = useId();
  const [keyIdValue, setKeyIdValue] = useState('');
  const [privateKey, setPrivateKey] = useState('');
  const [fileName, setFileName] = useState<string | null>(null);
  const notice = useAuthNoticeStore((state) => state.notice);
  const setNotice = useAuthNoticeStore((state) => state.setNotice);

  const connect = useMutation({
    mutationFn: authenticate,
    onSuccess: () => {
      // The server holds the key from here on; the page forgets it.
      setPrivateKey('');
      setFileName(null);
      setNotice(null);
      onAuthenticated();
    },
  });
  const demo = useMutation({
    mutationFn: authenticateDemo,
    onSuccess: () => {
      setNotice(null);
      onAuthenticated();
    },
  });
  const failure = connect.error ?? demo.error;
  const problem = failure ? describeAuthError(failure, config) : null;
  const isBusy = connect.isPending || demo.isPending;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    demo.reset();
    connect.mutate({ key_id: keyIdValue.trim(), private_key: privateKey });
  };

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    setPrivateKey(await file.text());
    setFileName(file.name);
  };

  return (
    <Card className="w-full max-w-lg" role="region" aria-labelledby={`${keyIdId}-title`}>
      <CardHeader>
        <CardTitle id={`${keyIdId}-title`} className="text-xl">
          Connect your Kalshi account
        </CardTitle>
        <CardDescription>
          Your key is sent once to this server, stored encrypted, and never shown again. The server watches
          your positions for you.
        </CardDescription>
        {notice === 'key_rejected' ? (
          <p
            className="mt-1 rounded-md border border-warn/40 bg-warn/10 p-2 text-sm"
            data-testid="auth-notice"
            role="status"
          >
            Kalshi rejected the key this account used (revoked or replaced). Connect a current key to go on
            watching your positions.
          </p>
        ) : null}
        <p className="mt-1 flex flex-wrap items-center gap-2 text-sm" data-testid="exchange-environment">
          <span className="text-muted-foreground">Exchange:</span>
          {config ? (
            <>
              <Badge variant={config.kalshi_env === 'production' ? 'warn' : 'primary'}>
                {environmentLabel(config.kalshi_env)}
              </Badge>
              <span className="font-mono text-xs break-all text-muted-foreground">{config.exchange_url}</span>
            </>
          ) : (
            <span className="text-muted-foreground">loading…</span>
          )}
        </p>
      </CardHeader>
      <CardContent>
        {config?.demo_account_available ? (
          <div className="mb-4 rounded-md border border-dashed p-3">
            <Button
              className="w-full"
              onClick={() => {
                connect.reset();
                demo.mutate();
              }}
              disabled={isBusy}
            >
              {demo.isPending ? 'Connecting…' : 'Use the demo account'}
            </Button>
            <p className="mt-2 text-center text-xs text-muted-foreground">
              A simulated account with positions that move. No key needed.
            </p>
          </div>
        ) : null}
        <form
          onSubmit={onSubmit}
          className="space-y-3"
          aria-describedby={problem ? errorId : undefined}
          noValidate
        >
          <div className="space-y-1">
            <Label htmlFor={keyIdId}>API key id</Label>
            <Input
              id={keyIdId}
              name="key_id"
              autoComplete="off"
              spellCheck={false}
              placeholder="e.g. 6f1c7e1a-…"
              value={keyIdValue}
              onChange={(e) => setKeyIdValue(e.target.value)}
              required
            />
          </div>
          <div className="space-y-1">
            <div className="flex items-center justify-between">
              <Label htmlFor={keyId}>Private key (PEM)</Label>
              <label className="cursor-pointer text-xs font-medium text-primary hover:underline">
                Upload key file
                <input
                  type="file"
                  accept=".pem,.key,.txt,application/x-pem-file"
                  className="sr-only"
                  aria-label="Upload private key file"
                  onChange={(e) => void onFile(e.target.files?.[0])}
                />
              </label>
            </div>
            {fileName ? (
              <div className="flex items-center justify-between rounded-md border bg-muted px-3 py-2 text-sm">
                <span>
                  Key loaded from <span className="font-mono">{fileName}</span>
                </span>
                <Button
                  variant="ghost"
                  size="sm"
                  onClick={() => {
                    setPrivateKey('');
                    setFileName(null);
                  }}
                >
                  Clear
                </Button>
              </div>
            ) : (
              <Textarea
                id={keyId}
                name="private_key"
                autoComplete="off"
                spellCheck={false}
                placeholder={'-----BEGIN PRIVATE KEY-----\n…\n-----END PRIVATE KEY-----'}
                value={privateKey}
                onChange={(e) => setPrivateKey(e.target.value)}
                aria-invalid={isApiError(failure) && failure.code === 'invalid_private_key'}
                required
              />
            )}
          </div>
          {problem ? (
            <div
              id={errorId}
              role="alert"
              className="rounded-md border border-loss/40 bg-loss/10 p-3 text-sm"
              data-testid="auth-error"
            >
              <p className="font-semibold text-loss">{problem.title}</p>
              <p className="mt-0.5 text-foreground">{problem.hint}</p>
            </div>
          ) : null}
          <Button
            type="submit"
            variant={config?.demo_account_available ? 'outline' : 'default'}
            className="w-full"
            disabled={isBusy || !keyIdValue.trim() || !privateKey}
          >
            {connect.isPending ? 'Checking the key…' : 'Connect'}
          </Button>
        </form>
      </CardContent>
    </Card>
  );
}
