export { installChat, usersView } from './chat.js';
export { buildChatPage } from './page.js';
export type { ChatPage } from './page.js';
