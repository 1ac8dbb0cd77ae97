-- Schema of the durable PostgreSQL store after all migrations, for review.
-- Generated: open a store on an empty database (schema "durable"), then
--   pg_dump --schema-only --no-owner --no-privileges --schema=durable
-- without the \restrict lines. The migrations folder is the source of truth.
--
-- PostgreSQL database dump
--

-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: durable; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA durable;

--
-- Name: instance_status; Type: DOMAIN; Schema: durable; Owner: -
--

CREATE DOMAIN durable.instance_status AS text
	CONSTRAINT instance_status_check CHECK ((VALUE = ANY (ARRAY['ready'::text, 'running'::text, 'sleeping'::text, 'waiting'::text, 'completed'::text, 'failed'::text, 'canceled'::text])));

--
-- Name: pending_events(text, text); Type: FUNCTION; Schema: durable; Owner: -
--

CREATE FUNCTION durable.pending_events(text, text) RETURNS TABLE(instance_id text, seq bigint, kind text, name text, site integer, attempts integer, error text, detail bytea, at timestamp with time zone)
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $_$
SELECT $1, (e ->> 0)::bigint, convert_from(decode(e ->> 3, 'hex'), 'UTF8'),
    convert_from(decode(e ->> 4, 'hex'), 'UTF8'), (e ->> 1)::integer, (e ->> 2)::integer,
    convert_from(decode(e ->> 5, 'hex'), 'UTF8'), decode(e ->> 6, 'hex'),
    timestamptz 'epoch' + (e ->> 7)::bigint * interval '1 microsecond'
FROM json_array_elements(('[' || $2 || ']')::json) e
WHERE $2 <> ''
$_$;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: history; Type: TABLE; Schema: durable; Owner: -
--

CREATE TABLE durable.history (
    instance_id text NOT NULL,
    seq bigint NOT NULL,
    kind text NOT NULL,
    name text DEFAULT ''::text NOT NULL,
    site integer DEFAULT 0 NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    error text DEFAULT ''::text NOT NULL,
    detail bytea,
    at timestamp with time zone NOT NULL
);

--
-- Name: instances; Type: TABLE; Schema: durable; Owner: -
--

CREATE TABLE durable.instances (
    id text NOT NULL,
    workflow text NOT NULL,
    version text NOT NULL,
    status durable.instance_status NOT NULL,
    frame bytea DEFAULT '\x'::bytea NOT NULL,
    seq bigint DEFAULT 0 NOT NULL,
    attempt integer DEFAULT 0 NOT NULL,
    epoch bigint DEFAULT 0 NOT NULL,
    owner text DEFAULT ''::text NOT NULL,
    lease_until timestamp with time zone,
    wake_at timestamp with time zone,
    await_name text DEFAULT ''::text NOT NULL,
    output bytea,
    error text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    cancel_reason text DEFAULT ''::text NOT NULL,
    claim_seq bigint DEFAULT 0 NOT NULL,
    aborted integer DEFAULT 0 NOT NULL,
    pending text DEFAULT ''::text NOT NULL
)
WITH (fillfactor='80');

--
-- Name: events; Type: VIEW; Schema: durable; Owner: -
--

CREATE VIEW durable.events AS
 SELECT history.instance_id,
    history.seq,
    history.kind,
    history.name,
    history.site,
    history.attempts,
    history.error,
    history.detail,
    history.at
   FROM durable.history
UNION ALL
 SELECT p.instance_id,
    p.seq,
    p.kind,
    p.name,
    p.site,
    p.attempts,
    p.error,
    p.detail,
    p.at
   FROM durable.instances i,
    LATERAL durable.pending_events(i.id, i.pending) p(instance_id, seq, kind, name, site, attempts, error, detail, at);

--
-- Name: schema_migrations; Type: TABLE; Schema: durable; Owner: -
--

CREATE TABLE durable.schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: signals; Type: TABLE; Schema: durable; Owner: -
--

CREATE TABLE durable.signals (
    id bigint NOT NULL,
    instance_id text NOT NULL,
    name text NOT NULL,
    payload bytea,
    created_at timestamp with time zone NOT NULL,
    consumed_at timestamp with time zone
);

--
-- Name: signals_id_seq; Type: SEQUENCE; Schema: durable; Owner: -
--

ALTER TABLE durable.signals ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME durable.signals_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: history history_pkey; Type: CONSTRAINT; Schema: durable; Owner: -
--

ALTER TABLE ONLY durable.history
    ADD CONSTRAINT history_pkey PRIMARY KEY (instance_id, seq);

--
-- Name: instances instances_pkey; Type: CONSTRAINT; Schema: durable; Owner: -
--

ALTER TABLE ONLY durable.instances
    ADD CONSTRAINT instances_pkey PRIMARY KEY (id);

--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: durable; Owner: -
--

ALTER TABLE ONLY durable.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);

--
-- Name: signals signals_pkey; Type: CONSTRAINT; Schema: durable; Owner: -
--

ALTER TABLE ONLY durable.signals
    ADD CONSTRAINT signals_pkey PRIMARY KEY (id);

--
-- Name: instances_created; Type: INDEX; Schema: durable; Owner: -
--

CREATE INDEX instances_created ON durable.instances USING btree (created_at, id COLLATE "C");

--
-- Name: instances_lease; Type: INDEX; Schema: durable; Owner: -
--

CREATE INDEX instances_lease ON durable.instances USING btree (lease_until) WHERE ((status)::text = 'running'::text);

--
-- Name: instances_ready; Type: INDEX; Schema: durable; Owner: -
--

CREATE INDEX instances_ready ON durable.instances USING btree (created_at) WHERE ((status)::text = 'ready'::text);

--
-- Name: instances_wake; Type: INDEX; Schema: durable; Owner: -
--

CREATE INDEX instances_wake ON durable.instances USING btree (wake_at) WHERE ((status)::text = ANY (ARRAY['sleeping'::text, 'waiting'::text]));

--
-- Name: signals_pending; Type: INDEX; Schema: durable; Owner: -
--

CREATE INDEX signals_pending ON durable.signals USING btree (instance_id, name, id) WHERE (consumed_at IS NULL);

--
-- PostgreSQL database dump complete
--

