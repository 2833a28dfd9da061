import { describeExampleInChromium } from '@sente/example-chat/scenario';
import { startCluster } from '../src/cluster.js';

// The chat as a person uses it, through the balancer: every page load, poll,
// POST and upgrade goes to the next of three processes.
describeExampleInChromium('cluster (three Express processes behind a round-robin balancer, on Redis)', ({ port }) => startCluster({ port }));
