/** jest runs the TypeScript sources as native ESM (import.meta.url locates the wasm). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    // Generated weight modules: plain JS, too long a `+` chain for ts-jest (test/data-module-transform.cjs).
    'model-[a-z]+-data\\.ts$': '<rootDir>/test/data-module-transform.cjs',
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json' }],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/global-setup.mjs',
  testTimeout: 120000,
};
