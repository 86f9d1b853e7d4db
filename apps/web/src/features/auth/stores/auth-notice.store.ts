import { create } from 'zustand';

/**
 * Why the connect screen is shown again, when the app knows: `key_rejected` after the exchange
 * refused the stored key and the trader chose to connect one again. Cleared once a key connects.
 */
export type AuthNotice = 'key_rejected' | null;

interface AuthNoticeStore {
  notice: AuthNotice;
  setNotice: (notice: AuthNotice) => void;
}

export const useAuthNoticeStore = create<AuthNoticeStore>()((set) => ({
  notice: null,
  setNotice: (notice) => set({ notice }),
}));
