import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Button } from 'tdesign-react';
import { graphql } from '../gql';
import { useI18n, type MessageKey } from '../i18n';
import { formatMoney, formatTime } from '../format';
import { Field, GqlError, Refusals } from '../ui';

const Queue = graphql(`
  query ReviewQueue { refunds(status: PENDING_REVIEW) { id status amount { amount } createdAt order { id kind sdkAppId amount { amount } } } }
`);
const ReviewRefund = graphql(`
  mutation ReviewRefund($id: ID!, $approve: Boolean!, $note: String) { reviewRefund(refundId: $id, approve: $approve, note: $note) { refund { id status } errors { code message field } } }
`);

/** Operators (F-2): the refunds waiting for review; approve (and execute) or reject with a note. */
export default function RefundReview() {
  const { t, locale } = useI18n();
  const [{ data, error }, refetch] = useQuery({ query: Queue, requestPolicy: 'network-only' });
  const [note, setNote] = useState('');
  const [res, review] = useMutation(ReviewRefund);
  const decided = res.data?.reviewRefund.refund;
  const act = (id: string, approve: boolean) => review({ id, approve, note: note || null }).then(() => refetch({ requestPolicy: 'network-only' }));
  return (
    <>
      <h1>{t('op.refunds')}</h1>
      <GqlError error={error ?? res.error} />
      <div className="rk-row"><Field label={t('op.note')}><input type="text" value={note} onChange={(e) => setNote(e.target.value)} /></Field></div>
      <Refusals errors={res.data?.reviewRefund.errors} />
      {decided && <p role="status" className="rk-ok">{decided.id}: {t(`refund.${decided.status}` as MessageKey)}</p>}
      <table className="rk-table" aria-label={t('op.refunds')}>
        <thead><tr><th scope="col">ID</th><th scope="col">{t('refunds.order')}</th><th scope="col">{t('common.amount')}</th><th scope="col">{t('common.time')}</th><th scope="col">{t('common.actions')}</th></tr></thead>
        <tbody>{(data?.refunds ?? []).map((r) => (
          <tr key={r.id}><td>{r.id}</td><td>{r.order.id} · {t(`kind.${r.order.kind}` as MessageKey)} · {r.order.sdkAppId}</td>
            <td>{formatMoney(r.amount.amount, locale)}</td><td>{formatTime(r.createdAt, locale)}</td>
            <td className="rk-row">
              <Button size="small" theme="primary" aria-label={t('op.approveRefund', { id: r.id })} onClick={() => act(r.id, true)}>{t('op.approve')}</Button>
              <Button size="small" theme="danger" aria-label={t('op.rejectRefund', { id: r.id })} onClick={() => act(r.id, false)}>{t('op.reject')}</Button>
            </td></tr>))}</tbody>
      </table>
    </>
  );
}
