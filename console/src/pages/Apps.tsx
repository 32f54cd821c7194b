import { useMutation, useQuery } from 'urql';
import { Button } from 'tdesign-react';
import { graphql } from '../gql';
import { useI18n } from '../i18n';
import { formatNumber, formatTime } from '../format';
import { useReadOnly } from '../viewer';
import { GqlError, Refusals } from '../ui';

const AppsQuery = graphql(`
  query Apps {
    applications {
      sdkAppId name status trialsUsed
      package { id edition status rtc { code expiresAt } im { code expiresAt } includedMinutesLeft }
    }
    editions { code name includedMinutes }
  }
`);
const StartTrial = graphql(`
  mutation StartTrial($sdkAppId: Int!) { startTrial(sdkAppId: $sdkAppId) { package { sdkAppId status } errors { code message field } } }
`);

/** UI-2 applications: edition, status, RTC and IM expiry, included minutes left as a bar, trial button. */
export default function Apps() {
  const { t, locale } = useI18n();
  const readOnly = useReadOnly();
  const [{ data, error }, refetch] = useQuery({ query: AppsQuery });
  const [trial, startTrial] = useMutation(StartTrial);
  const editionOf = (code: string) => data?.editions.find((e) => e.code === code);
  return (
    <>
      <h1>{t('apps.title')}</h1>
      <GqlError error={error} />
      <Refusals errors={trial.data?.startTrial.errors} />
      <table className="rk-table" aria-label={t('apps.title')}>
        <thead><tr>
          <th scope="col">{t('apps.sdkAppId')}</th><th scope="col">{t('apps.name')}</th><th scope="col">{t('common.edition')}</th>
          <th scope="col">{t('common.status')}</th><th scope="col">{t('apps.rtcExpiry')}</th><th scope="col">{t('apps.imExpiry')}</th>
          <th scope="col">{t('apps.minutesLeft')}</th><th scope="col">{t('common.actions')}</th>
        </tr></thead>
        <tbody>
          {(data?.applications ?? []).map((a) => {
            const p = a.package;
            const ed = p ? editionOf(p.edition) : undefined;
            const total = ed?.includedMinutes ?? null;
            const left = p?.includedMinutesLeft ?? null;
            return (
              <tr key={a.sdkAppId} data-app={a.sdkAppId}>
                <td>{a.sdkAppId}</td><td>{a.name}</td>
                <td>{ed ? ed.name : t('apps.noPackage')}</td>
                <td data-testid="package-status">{a.status}{p ? ` / ${p.status}` : ''}</td>
                <td>{formatTime(p?.rtc.expiresAt, locale)}</td>
                <td>{formatTime(p?.im?.expiresAt, locale)}</td>
                <td>{left != null && total ? (
                  <div>
                    <div className="rk-bar" role="progressbar" aria-label={t('apps.minutesLeft')} aria-valuemin={0}
                      aria-valuemax={total} aria-valuenow={left}><div style={{ width: `${Math.min(100, (left / total) * 100)}%` }} /></div>
                    <span className="rk-muted">{formatNumber(left, locale)} / {formatNumber(total, locale)}</span>
                  </div>) : '—'}</td>
                <td><Button size="small" disabled={readOnly} aria-label={t('apps.trialFor', { name: a.name })}
                  onClick={() => startTrial({ sdkAppId: a.sdkAppId }).then(() => refetch({ requestPolicy: 'network-only' }))}>
                  {t('apps.trial')}</Button></td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
