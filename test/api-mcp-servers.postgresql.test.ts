import { apiMcpServersSuite } from './suites/api-mcp-servers-suite.ts';

apiMcpServersSuite('postgresql');
