declare module 'vitest' {
  export interface ProvidedContext {
    /** Endpoint of the DynamoDB Local started by test/global-setup.ts, e.g. `http://127.0.0.1:8123`. */
    dynamoEndpoint: string;
  }
}

export {};
