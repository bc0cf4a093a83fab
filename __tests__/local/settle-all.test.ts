import { settleAll } from '../../local/settle-all';

describe('settleAll', () => {
  it('resolves with every value, in order, like Promise.all', async () => {
    await expect(settleAll([Promise.resolve(1), Promise.resolve('two'), new Promise<boolean>((r) => setTimeout(() => r(true), 5))] as const)).resolves.toEqual([
      1,
      'two',
      true,
    ]);
  });

  it('rejects with the first failure only after the others settle, leaving no rejection unobserved', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let lateSettled = false;
      const early = Promise.reject(new Error('producer: ECONNREFUSED'));
      const late = new Promise<number>((_, reject) => setTimeout(() => reject(new Error('loader: ECONNREFUSED')), 20)).finally(() => (lateSettled = true));
      await expect(settleAll([early, late] as const)).rejects.toThrow('producer: ECONNREFUSED');
      expect(lateSettled).toBe(true);
      // Give Node a turn to report unhandled rejections: Promise.all would leave `late` unobserved.
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
