export { installChat, usersView } from './chat.js';
export type { Chat, UsersView } from './contract.js';
export { buildChatPage, FAVICON_TYPE } from './page.js';
export type { ChatPage } from './page.js';
export { listenWithSente } from './listen.js';
export type { NodeExample } from './listen.js';
