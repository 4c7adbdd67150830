-- Reverts 0002. Order rows are lost: rewind takes and verifies a backup first.
DROP INDEX IF EXISTS orders_user_id_idx;
DROP TABLE IF EXISTS orders;
