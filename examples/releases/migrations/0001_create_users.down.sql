-- Reverts 0001.
DROP TABLE IF EXISTS users;
