/** Global setup: placeholder until DynamoDB Local is wired in. */
export default async function setup(): Promise<void> {}
