import { useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '../../../components/ui/card';
import { EmptyState } from '../../../components/ui/empty-state';
import { Skeleton } from '../../../components/ui/skeleton';
import { Tabs } from '../../../components/ui/tabs';
import { portfolioQueries } from '../api/portfolio.api';
import { EquityChart } from './equity-chart';
import { FillsTable, OrdersTable, SettlementsTable } from './history-tables';

type HistoryTab = 'fills' | 'settlements' | 'orders';

function Loading({ label }: { label: string }) {
  return <Skeleton className="h-40" aria-label={label} />;
}

/**
 * Equity curve, the live resting orders and the fills, settlements and orders history.
 * The resting orders live in the positions stream, which this feature does not read: the app
 * shell hands them in already rendered, as it hands holdings to the markets screens.
 */
export function PortfolioPage({ restingOrders }: { restingOrders?: ReactNode }) {
  const [tab, setTab] = useState<HistoryTab>('fills');
  const equity = useQuery(portfolioQueries.equity());
  const fills = useQuery({ ...portfolioQueries.fills(), enabled: tab === 'fills' });
  const settlements = useQuery({ ...portfolioQueries.settlements(), enabled: tab === 'settlements' });
  const orders = useQuery({ ...portfolioQueries.orders(), enabled: tab === 'orders' });

  return (
    <section aria-labelledby="portfolio-heading" className="space-y-4">
      <h1 id="portfolio-heading" className="text-xl font-semibold">
        Portfolio
      </h1>
      <Card>
        <CardHeader>
          <CardTitle>Equity</CardTitle>
          <CardDescription>Total account value from the server's stored snapshots.</CardDescription>
        </CardHeader>
        <CardContent>
          {equity.isError ? (
            <EmptyState title="The equity curve could not be loaded">{equity.error.message}</EmptyState>
          ) : !equity.data ? (
            <Loading label="Loading equity curve" />
          ) : equity.data.points.length < 2 ? (
            <EmptyState title="Not enough history yet">
              The curve fills in as the server records snapshots.
            </EmptyState>
          ) : (
            <EquityChart points={equity.data.points} />
          )}
        </CardContent>
      </Card>
      {restingOrders ? (
        <Card>
          <CardHeader>
            <CardTitle>Resting orders</CardTitle>
            <CardDescription>
              Orders waiting on the book, live, with the cash the exchange holds back for each.
            </CardDescription>
          </CardHeader>
          <CardContent>{restingOrders}</CardContent>
        </Card>
      ) : null}
      <Card>
        <CardContent className="pt-4">
          <Tabs
            label="Account history"
            value={tab}
            onValueChange={setTab}
            items={[
              {
                value: 'fills',
                label: 'Fills',
                content: fills.data ? (
                  <FillsTable fills={fills.data.fills} />
                ) : fills.isError ? (
                  <EmptyState title={fills.error.message} />
                ) : (
                  <Loading label="Loading fills" />
                ),
              },
              {
                value: 'settlements',
                label: 'Settlements',
                content: settlements.data ? (
                  <SettlementsTable settlements={settlements.data.settlements} />
                ) : settlements.isError ? (
                  <EmptyState title={settlements.error.message} />
                ) : (
                  <Loading label="Loading settlements" />
                ),
              },
              {
                value: 'orders',
                label: 'Orders',
                content: orders.data ? (
                  <OrdersTable orders={orders.data.orders} />
                ) : orders.isError ? (
                  <EmptyState title={orders.error.message} />
                ) : (
                  <Loading label="Loading orders" />
                ),
              },
            ]}
          />
        </CardContent>
      </Card>
    </section>
  );
}
