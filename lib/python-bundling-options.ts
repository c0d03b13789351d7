import { DockerImage } from 'aws-cdk-lib';

/**
 * How a script given as a `.py` `entry` is packaged.
 *
 * The asset is the script's folder: every file in it and below, except Python's caches (`__pycache__`,
 * `*.pyc`), a virtual environment named `.venv`, and what `exclude` adds. When a `requirements.txt` lies beside
 * the script, its packages are installed into the asset at synth: by pip on this machine when there is one
 * (`python3 -m pip`, else `python -m pip`, or the interpreter named by the environment variable
 * `CDK_DEPLOYMENT_SCRIPT_PYTHON`), as wheels for the function's runtime and architecture; else, or when
 * `forceDockerBundling` is set, in Docker, in the runtime's bundling image.
 */
export interface PythonBundlingOptions {
  /**
   * Files and folders of the script's folder to leave out of the asset: glob patterns, as `Code.fromAsset`'s
   * `exclude` (a pattern without a slash matches a name at any depth, e.g. `'tests'` or `'*.md'`).
   *
   * @default - only Python's caches (`__pycache__`, `*.pyc`) and `.venv` are left out
   */
  readonly exclude?: string[];

  /**
   * Install the requirements in Docker even when pip is available on this machine: for packages that publish
   * no wheel for Lambda's platform and must be built, on Lambda's own Amazon Linux.
   *
   * @default false - pip on this machine when it is there, Docker only when it is not
   */
  readonly forceDockerBundling?: boolean;

  /**
   * The Docker image that installs the requirements, when they are installed in Docker. It must have `bash`,
   * `pip` and `cp`.
   *
   * @default - the bundling image of the script's runtime (`runtime.bundlingImage`)
   */
  readonly image?: DockerImage;

  /**
   * Environment variables for pip, on this machine and in Docker: e.g. `PIP_INDEX_URL` for a private
   * package index. A password in `PIP_INDEX_URL` or `PIP_EXTRA_INDEX_URL` is left out of the asset hash.
   *
   * @default - pip's own configuration of this machine (or of the image)
   */
  readonly environment?: { [key: string]: string };
}
