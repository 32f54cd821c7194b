import { createContext, useContext } from 'react';

export interface ViewerInfo {
  role: 'CUSTOMER' | 'PARTNER' | 'SERVICE' | 'OPERATOR';
  accountId: string | null;
  simulatedClock: boolean;
  sandboxPayments: boolean;
}

export const ViewerContext = createContext<ViewerInfo | null>(null);
export const useViewer = () => useContext(ViewerContext);
/** PARTNER tokens get read-only views (UI-1). */
export const useReadOnly = () => useViewer()?.role !== 'CUSTOMER';
