/**
 * What the chat's server and its browser code say to each other, declared
 * once and imported by both (a contract that is only a type: nothing of it
 * reaches the browser bundle). See docs/guides/typed-contracts.md.
 */

/** The connected uids as the page shows them. */
export interface UsersView {
  readonly ws: string[];
  readonly ajax: string[];
  readonly any: string[];
}

/** The chat's contract: the page's requests, and the server's pushes. */
export type Chat = {
  requests: {
    /** Say something to everyone: broadcast as `chat/said`. */
    'chat/say': { payload: { text: string }; reply: { ok: boolean } };
    /** An empty round trip, for the page's live latency. */
    'example/ping': { payload: null; reply: null };
    /** Who the server thinks I am, and over what. */
    'example/echo': { payload: { at: number }; reply: { echo: { at: number }; uid: string; transport: 'ws' | 'ajax' } };
    /** Three pushes to every tab of mine, in order. */
    'example/push-me': { payload: null; reply: { ok: boolean } };
    /** The connected users now. */
    'example/users': { payload: null; reply: UsersView };
  };
  pushes: {
    'chat/said': { from: string; text: string; at: number };
    'example/pushed': { n: number; at: number };
    /** The connected users, after each change. */
    'example/users': UsersView;
  };
};
