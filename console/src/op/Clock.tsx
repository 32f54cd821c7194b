import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Button } from 'tdesign-react';
import { graphql } from '../gql';
import { useI18n } from '../i18n';
import { formatTime } from '../format';
import { useViewer } from '../viewer';
import { Field, GqlError, Refusals, Section } from '../ui';

const Now = graphql(`query ServerNow { now }`);
const Advance = graphql(`
  mutation AdvanceClock($to: DateTime!) { advanceClock(to: $to) { now timersRun errors { code message field } } }
`);

/** Operators (C-2): move simulated time forward; every timer due runs before the answer comes back. */
export default function Clock() {
  const { t, locale } = useI18n();
  const viewer = useViewer();
  const [{ data, error }, refetch] = useQuery({ query: Now, requestPolicy: 'network-only' });
  const [to, setTo] = useState('');
  const [res, advance] = useMutation(Advance);
  const go = (iso: string) => advance({ to: iso }).then(() => refetch({ requestPolicy: 'network-only' }));
  const plus = (h: number) => new Date(Date.parse(data!.now) + h * 3600_000).toISOString();
  if (!viewer?.simulatedClock) return <><h1>{t('op.clock')}</h1><p>{t('op.realClock')}</p></>;
  return (
    <>
      <h1>{t('op.clock')}</h1>
      <GqlError error={error ?? res.error} />
      <Section title={t('op.clock')}>
        <p data-testid="server-now">{t('op.now', { now: data ? formatTime(data.now, locale) : '—' })}</p>
        <div className="rk-row">
          {[1, 24, 24 * 7].map((h) => (
            <Button key={h} disabled={!data} onClick={() => go(plus(h))}>{t('op.advanceHours', { n: h })}</Button>))}
        </div>
        <form className="rk-row" onSubmit={(e) => { e.preventDefault(); if (to) go(to); }}>
          <Field label={t('op.advanceTo')}><input type="text" value={to} placeholder="2027-01-11T01:00:00+08:00" onChange={(e) => setTo(e.target.value)} /></Field>
          <Button type="submit" theme="primary">{t('op.advance')}</Button>
        </form>
        <Refusals errors={res.data?.advanceClock.errors} />
        {res.data && !res.data.advanceClock.errors.length && <p role="status" className="rk-ok">{t('op.timersRun', { n: res.data.advanceClock.timersRun })}</p>}
      </Section>
    </>
  );
}
