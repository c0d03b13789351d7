<?php
declare(strict_types=1);

$config = require __DIR__ . '/../config/database.php';
$pdo = new PDO(
    sprintf('pgsql:host=%s;port=%s;dbname=%s;sslmode=require', $config['host'], $config['port'], $config['database']),
    $config['username'],
    $config['password'],
);
header('Content-Type: text/plain');
printf("%d users\n", $pdo->query('SELECT count(*) FROM users')->fetchColumn());
