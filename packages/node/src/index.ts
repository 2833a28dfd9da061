export { senteHttp, createNodeServer, handleAjax } from './sente-http.js';
export type { SenteHttp, NodeSenteOptions } from './sente-http.js';
export { attachUpgrade, openWebSocketChannel } from './upgrade.js';
export type { AttachUpgradeOptions, UpgradeHandle } from './upgrade.js';
export { nodeRequest, splitUrl } from './request.js';
export { openAjaxChannel, writeResponse } from './ajax.js';
