-- Run once by the postgres image when its data volume is new: the Dagster instance's
-- database beside the store's (`crm`, created from POSTGRES_DB), owned by the same role.
CREATE DATABASE dagster;
