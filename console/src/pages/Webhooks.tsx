import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Button } from 'tdesign-react';
import { graphql } from '../gql';
import { useI18n } from '../i18n';
import { formatTime } from '../format';
import { useCapabilities } from '../capabilities';
import { useReadOnly } from '../viewer';
import { Field, GqlError, Refusals, Section } from '../ui';

const Endpoints = graphql(`
  query WebhookEndpoints { webhookEndpoints { id url description eventTypes enabled disabledReason createdAt } }
`);
const Deliveries = graphql(`
  query WebhookDeliveries($id: ID!) {
    webhookDeliveries(endpointId: $id, first: 50) { edges { node { id status nextAttemptAt event { type }
      attempts { at httpStatus durationMs error } } } }
  }
`);
const CreateEndpoint = graphql(`
  mutation CreateEndpoint($url: String!) { createWebhookEndpoint(url: $url) { endpoint { id } secret errors { code message field } } }
`);
const Rotate = graphql(`
  mutation RotateSecret($id: ID!) { rotateWebhookSecret(id: $id) { secret errors { code message field } } }
`);
const Redeliver = graphql(`
  mutation Redeliver($id: ID!) { redeliverWebhook(deliveryId: $id) { delivery { id status } errors { code message field } } }
`);

/** UI-2 webhooks (W-1…W-6): endpoints, deliveries with attempts, redeliver, rotate the secret. */
export default function Webhooks() {
  const { t, locale } = useI18n();
  const readOnly = useReadOnly();
  const caps = useCapabilities();
  const on = caps.has('webhookEndpoints');
  const [{ data, error }, refetch] = useQuery({ query: Endpoints, pause: !on });
  const [open, setOpen] = useState<string | null>(null);
  const [del, refetchDel] = useQuery({ query: Deliveries, variables: { id: open ?? '' }, pause: !open });
  const [url, setUrl] = useState('');
  const [created, create] = useMutation(CreateEndpoint);
  const [rotated, rotate] = useMutation(Rotate);
  const [redelivered, redeliver] = useMutation(Redeliver);
  const secret = created.data?.createWebhookEndpoint.secret ?? rotated.data?.rotateWebhookSecret.secret;
  if (caps.ready && !on) return <><h1>{t('webhooks.title')}</h1><p className="rk-muted">{t('renew.notAvailable')}</p></>;
  return (
    <>
      <h1>{t('webhooks.title')}</h1>
      <GqlError error={error ?? del.error} />
      <Section title={t('webhooks.add')}>
        <div className="rk-row">
          <Field label={t('webhooks.urlLabel')}><input type="text" size={50} value={url} onChange={(e) => setUrl(e.target.value)} /></Field>
          <Button disabled={readOnly || !url} onClick={() => create({ url }).then(() => refetch({ requestPolicy: 'network-only' }))}>{t('webhooks.add')}</Button>
        </div>
        <Refusals errors={created.data?.createWebhookEndpoint.errors ?? rotated.data?.rotateWebhookSecret.errors ?? redelivered.data?.redeliverWebhook.errors} />
        {secret && <p role="status"><code>{t('webhooks.secret', { secret })}</code></p>}
      </Section>
      <table className="rk-table" aria-label={t('webhooks.title')}>
        <thead><tr><th scope="col">{t('webhooks.url')}</th><th scope="col">{t('common.status')}</th><th scope="col">{t('common.time')}</th><th scope="col">{t('common.actions')}</th></tr></thead>
        <tbody>{(data?.webhookEndpoints ?? []).map((e) => (
          <tr key={e.id}><td>{e.url}</td><td>{e.enabled ? t('webhooks.enabled') : `${t('webhooks.disabled')} ${e.disabledReason ?? ''}`}</td>
            <td>{formatTime(e.createdAt, locale)}</td>
            <td className="rk-row">
              <Button size="small" onClick={() => setOpen(e.id)}>{t('webhooks.deliveries')}</Button>
              <Button size="small" disabled={readOnly} onClick={() => rotate({ id: e.id })}>{t('webhooks.rotate')}</Button>
            </td></tr>))}</tbody>
      </table>
      {open && (
        <Section title={t('webhooks.deliveries')}>
          <table className="rk-table" aria-label={t('webhooks.deliveries')}>
            <thead><tr><th scope="col">ID</th><th scope="col">{t('events.type')}</th><th scope="col">{t('common.status')}</th><th scope="col">{t('webhooks.attempts')}</th><th scope="col">{t('common.actions')}</th></tr></thead>
            <tbody>{(del.data?.webhookDeliveries.edges ?? []).map(({ node: d }) => (
              <tr key={d.id}><td>{d.id}</td><td>{d.event.type}</td><td>{d.status}</td>
                <td><ul style={{ margin: 0, paddingLeft: 16 }}>{d.attempts.map((a, i) => (
                  <li key={i}>{formatTime(a.at, locale)} · {a.httpStatus ?? a.error ?? '—'} · {a.durationMs} ms</li>))}</ul></td>
                <td><Button size="small" disabled={readOnly} onClick={() => redeliver({ id: d.id }).then(() => refetchDel({ requestPolicy: 'network-only' }))}>
                  {t('webhooks.redeliver')}</Button></td></tr>))}</tbody>
          </table>
        </Section>)}
    </>
  );
}
