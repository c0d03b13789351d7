<?php
/*
 * Where the database is. In the deployment task, `connectTo: [database]` sets STP_DATABASE_HOST, _PORT and _DB_NAME,
 * and ECS sets DB_USERNAME and DB_PASSWORD from the database's secret (`secrets`); the service sets DB_HOST and
 * the rest itself.
 */
declare(strict_types=1);

$env = static fn (string ...$names): string => (string) (array_values(array_filter(array_map('getenv', $names)))[0] ?? '');

return [
    'host' => $env('DB_HOST', 'STP_DATABASE_HOST'),
    'port' => $env('DB_PORT', 'STP_DATABASE_PORT') ?: '5432',
    'database' => $env('DB_DATABASE', 'STP_DATABASE_DB_NAME'),
    'username' => $env('DB_USERNAME'),
    'password' => $env('DB_PASSWORD'),
];
