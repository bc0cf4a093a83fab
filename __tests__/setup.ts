import { Testing } from 'cdktf';
// The matchers' type declarations (toHaveResource, toHaveResourceWithProperties, ...) for tsc.
import type {} from 'cdktf/lib/testing/adapters/jest';

Testing.setupJest();
