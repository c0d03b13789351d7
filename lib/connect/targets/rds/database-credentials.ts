/**
 * How a script connected to a relational database receives the user name and password of the database's secret.
 */
export enum DatabaseCredentials {
  /**
   * Read from the secret each time the script runs, so always the secret's current value (after a rotation too),
   * and never stored in the function's configuration or the task definition.
   *
   * A `DeploymentScript` with an `entry` gets connection strings that hold them: the library adds a small handler
   * to its code that reads the secret (one `GetSecretValue`) and fills the variables before calling the script's
   * handler. A task gets `USERNAME` and `PASSWORD` as ECS secrets, read when the task starts, and connection strings
   * without them. Prebuilt `code` gets connection strings with `${username}` and `${password}` placeholders, and
   * reads the secret named by `SECRET_ARN` itself.
   */
  AT_RUN_TIME = 'AT_RUN_TIME',

  /**
   * Resolved by CloudFormation from the secret into the connection strings of the script's configuration (a
   * `{{resolve:secretsmanager:…}}` dynamic reference): readable by whoever may read the function's configuration
   * or the task definition, and resolved again only when that configuration changes, so stale after a rotation
   * until then. For code that cannot read the secret itself.
   */
  EMBEDDED = 'EMBEDDED',
}
