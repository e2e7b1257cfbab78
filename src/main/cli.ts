import { main } from './cli/main';

void main();
