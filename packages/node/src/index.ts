export { senteHttp, mountNode, serveAjax } from './sente-http.js';
export type { SenteHttp, NodeSenteOptions } from './sente-http.js';
export { attachUpgrade, openWebSocketChannel } from './upgrade.js';
export type { AttachUpgradeOptions, Prepared, UpgradeHandle } from './upgrade.js';
export { lazyNodeRequest, nodeRequest } from './request.js';
export { answerHttp, httpExchange, writeResponse } from './exchange.js';
