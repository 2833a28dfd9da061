import { describeExampleInChromium } from '@sente/example-chat/scenario';
import { startExample } from '../src/app.js';

describeExampleInChromium('Express (JSON)', startExample);
