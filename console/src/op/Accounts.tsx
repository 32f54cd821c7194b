import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Button } from 'tdesign-react';
import { graphql } from '../gql';
import { useI18n } from '../i18n';
import { formatMoney } from '../format';
import { idempotencyKey } from '../session';
import { Field, GqlError, Refusals, Section } from '../ui';

const FindAccounts = graphql(`
  query FindAccounts($search: String) {
    accounts(search: $search, first: 20) { id name type status realNameVerified refundReviewRequired balance { available { amount } } }
  }
`);
const Credit = graphql(`
  mutation Credit($id: ID!, $amount: Decimal!, $source: String!, $key: String!) { creditAccount(accountId: $id, amount: $amount, source: $source, idempotencyKey: $key) { account { id } errors { code message field } } }
`);
const Voucher = graphql(`
  mutation GrantVoucher($id: ID!, $amount: Decimal!, $expiresAt: DateTime!) { grantVoucher(accountId: $id, amount: $amount, expiresAt: $expiresAt) { voucher { id } errors { code message field } } }
`);
const RealName = graphql(`
  mutation RealName($id: ID!, $v: Boolean!) { setRealNameVerified(accountId: $id, verified: $v) { account { id realNameVerified } errors { code message field } } }
`);
const Review = graphql(`
  mutation ReviewFlag($id: ID!, $v: Boolean!) { setRefundReview(accountId: $id, required: $v) { account { id refundReviewRequired } errors { code message field } } }
`);
const Ban = graphql(`
  mutation Ban($id: ID!, $reason: String!) { banAccount(accountId: $id, reason: $reason) { account { id status } errors { code message field } } }
`);

/** Operators (UI-2): find an account; credit, vouchers, real-name, refund review flag, ban. */
export default function Accounts() {
  const { t, locale } = useI18n();
  const [search, setSearch] = useState('');
  const [term, setTerm] = useState<string | null>(null);
  const [{ data, error }, refetch] = useQuery({ query: FindAccounts, variables: { search: term } });
  const [amount, setAmount] = useState('100.00');
  const [source, setSource] = useState('cash');
  const [reason, setReason] = useState('');
  const [credit, doCredit] = useMutation(Credit);
  const [voucher, doVoucher] = useMutation(Voucher);
  const [, doRealName] = useMutation(RealName);
  const [, doReview] = useMutation(Review);
  const [ban, doBan] = useMutation(Ban);
  const again = () => refetch({ requestPolicy: 'network-only' });
  const in90days = () => new Date(Date.now() + 90 * 86400_000).toISOString();
  return (
    <>
      <h1>{t('op.accounts')}</h1>
      <GqlError error={error} />
      <Section title={t('op.find')}>
        <form className="rk-row" onSubmit={(e) => { e.preventDefault(); setTerm(search || null); }}>
          <Field label={t('op.search')}><input type="text" value={search} onChange={(e) => setSearch(e.target.value)} /></Field>
          <Button type="submit">{t('op.find')}</Button>
        </form>
        <div className="rk-row">
          <Field label={t('op.creditAmount')}><input type="text" value={amount} onChange={(e) => setAmount(e.target.value)} /></Field>
          <Field label={t('op.creditSource')}><select value={source} onChange={(e) => setSource(e.target.value)}>
            <option value="cash">{t('billing.cash')}</option><option value="income">{t('billing.income')}</option><option value="gift">{t('billing.gift')}</option>
          </select></Field>
          <Field label={t('op.banReason')}><input type="text" value={reason} onChange={(e) => setReason(e.target.value)} /></Field>
        </div>
        <Refusals errors={credit.data?.creditAccount.errors ?? voucher.data?.grantVoucher.errors ?? ban.data?.banAccount.errors} />
      </Section>
      <table className="rk-table" aria-label={t('op.accounts')}>
        <thead><tr><th scope="col">ID</th><th scope="col">{t('apps.name')}</th><th scope="col">{t('common.status')}</th><th scope="col">{t('billing.available')}</th>
          <th scope="col">{t('op.realName')}</th><th scope="col">{t('op.review')}</th><th scope="col">{t('common.actions')}</th></tr></thead>
        <tbody>{(data?.accounts ?? []).map((a) => (
          <tr key={a.id} data-account={a.id}><td>{a.id}</td><td>{a.name}</td><td>{a.status}</td><td>{formatMoney(a.balance.available.amount, locale)}</td>
            <td><input type="checkbox" aria-label={`${t('op.realName')} ${a.name}`} checked={a.realNameVerified}
              onChange={(e) => doRealName({ id: a.id, v: e.target.checked }).then(again)} /></td>
            <td><input type="checkbox" aria-label={`${t('op.review')} ${a.name}`} checked={a.refundReviewRequired}
              onChange={(e) => doReview({ id: a.id, v: e.target.checked }).then(again)} /></td>
            <td className="rk-row">
              <Button size="small" aria-label={`${t('op.credit')} ${a.name}`} onClick={() => doCredit({ id: a.id, amount, source, key: idempotencyKey('credit') }).then(again)}>{t('op.credit')}</Button>
              <Button size="small" aria-label={`${t('op.voucher')} ${a.name}`} onClick={() => doVoucher({ id: a.id, amount, expiresAt: in90days() }).then(again)}>{t('op.voucher')}</Button>
              <Button size="small" theme="danger" disabled={!reason || a.status === 'BANNED'} aria-label={`${t('op.ban')} ${a.name}`}
                onClick={() => doBan({ id: a.id, reason }).then(again)}>{t('op.ban')}</Button>
            </td></tr>))}</tbody>
      </table>
    </>
  );
}
