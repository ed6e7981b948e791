// The floor for any Node function on Fn: the FDK alone, answering "ok". Baseline for cold start.
import fdk from '@fnproject/fdk';

fdk.handle(() => fdk.rawResult('ok'), { inputMode: 'buffer' });
