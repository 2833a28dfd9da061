/**
 * The SharedWorker script of the tabs' browser test: it holds the tabs'
 * shared Ajax connection, with the uid of its own URL's `uid` param.
 */
import { serveSharedConnection } from '@sente/client';

serveSharedConnection('/chsk', { type: 'ajax', params: { uid: new URLSearchParams(location.search).get('uid') } });
