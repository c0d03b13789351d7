/**
 * The environment as the user gave it, before the command line changes anything in `process.env`: what a
 * script run with --local inherits.
 */
export const USER_ENV: Readonly<NodeJS.ProcessEnv> = { ...process.env };

// The SDK warns, on every run under node 20, that its later versions will need node 22. This command carries
// its own copy of the SDK, fixed at build time: the warning is not the user's concern.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
