export { installChat, usersView } from './chat.js';
export { buildChatPage } from './page.js';
export type { ChatPage } from './page.js';
export { listenWithSente } from './listen.js';
export type { NodeExample } from './listen.js';
