import { useEffect, useState } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import { useI18n } from '../i18n';
import { formatTime } from '../format';
import { liveEvents, type LiveEvent } from '../liveEvents';
import { GqlError } from '../ui';

const PastEvents = graphql(`
  query PastEvents { events(first: 100) { edges { node { id type sdkAppId data occurredAt } } } }
`);

/** UI-2 events: the history, then live ones from the subscription (the shell subscribes), newest first. */
export default function Events() {
  const { t, locale } = useI18n();
  const [{ data, error }] = useQuery({ query: PastEvents, requestPolicy: 'network-only' });
  const [live, setLive] = useState<LiveEvent[]>(liveEvents.all());
  useEffect(() => liveEvents.listen(setLive), []);
  const past = (data?.events.edges ?? []).map((e) => e.node);
  const seen = new Set(live.map((e) => e.id));
  const all = [...live, ...past.filter((e) => !seen.has(e.id)).reverse()];
  return (
    <>
      <h1>{t('events.title')} <span className="rk-chip">{t('events.live')}</span></h1>
      <GqlError error={error} />
      <table className="rk-table" aria-label={t('events.title')} aria-live="polite">
        <thead><tr><th scope="col">{t('common.time')}</th><th scope="col">{t('events.type')}</th><th scope="col">{t('common.app')}</th><th scope="col">{t('events.data')}</th></tr></thead>
        <tbody>{all.map((e) => (
          <tr key={e.id} data-event-type={e.type}><td>{formatTime(e.occurredAt, locale)}</td><td>{e.type}</td><td>{e.sdkAppId ?? '—'}</td>
            <td><code>{e.data}</code></td></tr>))}</tbody>
      </table>
    </>
  );
}
