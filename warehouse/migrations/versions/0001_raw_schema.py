"""The `raw` schema (records as loaded, loads, quarantine), `marts`, and the seeded currency rates.

Revision ID: 0001
Revises:
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UPGRADE = """
create schema if not exists raw;
create schema if not exists marts;
create schema if not exists reference;
create schema if not exists staging;

-- One row per run of the loader over one file. Spans tenants: a reference table.
create table raw.loads (
    load_id      bigint generated always as identity primary key,
    kind         text not null,
    source_name  text not null,
    source_path  text not null,
    started_at   timestamptz not null default now(),
    finished_at  timestamptz,
    lines_read   bigint,
    loaded       bigint,
    duplicates   bigint,
    quarantined  bigint
);
comment on table raw.loads is 'One row per load of one input file (analytics load).';

-- One row per (chatbot, load, kind, UTC day) that received new records: what the pipeline
-- reads to find partitions that changed since its last run.
create table raw.load_days (
    chatbot_id  text not null,
    load_id     bigint not null references raw.loads,
    kind        text not null,
    day         date not null,
    row_count   bigint not null,
    primary key (chatbot_id, load_id, kind, day)
);
create index load_days_load_id_idx on raw.load_days (load_id);
comment on table raw.load_days is
    'One row per chatbot, load, record kind and UTC day of the records that load added.';

-- One row per tracking event, first loaded wins per (chatbot_id, event_id).
create table raw.events (
    chatbot_id       text not null,
    event_id         text not null,
    created_at       timestamptz not null,
    event            text not null,
    token            text not null,
    ab_test          boolean not null,
    popup_version    text,
    open_way         text,
    order_num        text,
    conversation_id  text,
    url              text,
    items            jsonb,
    record           json not null,
    load_id          bigint not null
);
create unique index events_identity_key on raw.events (chatbot_id, event_id);
comment on table raw.events is 'One row per tracking event (SPEC 2.1), as loaded.';
comment on column raw.events.event_id is 'event_id, or h:<sha256 of canonical JSON> when missing.';
comment on column raw.events.items is
    'Normalised items: [{value: decimal text or null, quantity, currency}], null when absent.';
comment on column raw.events.record is 'The input line as given, unknown fields included.';

-- One row per chat message, first loaded wins per (chatbot_id, message_id).
create table raw.messages (
    chatbot_id       text not null,
    message_id       text not null,
    conversation_id  text not null,
    role             text not null,
    created_at       timestamptz not null,
    record           json not null,
    load_id          bigint not null
);
create unique index messages_identity_key on raw.messages (chatbot_id, message_id);
comment on table raw.messages is 'One row per chat message (SPEC 2.3), as loaded.';

-- Replaceable records keep every distinct version; the current one is the latest loaded
-- (load_id, line_number). Re-loading an identical record adds nothing.
create table raw.conversations (
    chatbot_id       text not null,
    conversation_id  text not null,
    user_token       text not null,
    started_at       timestamptz not null,
    record_sha       text not null,
    record           json not null,
    load_id          bigint not null,
    line_number      bigint not null
);
create unique index conversations_identity_key
    on raw.conversations (chatbot_id, conversation_id, record_sha);
comment on table raw.conversations is
    'One row per distinct version of a conversation record (SPEC 2.2); the latest loaded wins.';

create table raw.analyses (
    chatbot_id                 text not null,
    conversation_id            text not null,
    analyzed_at                timestamptz not null,
    products                   jsonb not null,
    intents                    jsonb not null,
    complaints                 jsonb not null,
    missing_information        jsonb not null,
    mood                       text,
    outcome                    text,
    human_intervention_needed  boolean not null,
    record_sha                 text not null,
    record                     json not null,
    load_id                    bigint not null,
    line_number                bigint not null
);
create unique index analyses_identity_key
    on raw.analyses (chatbot_id, conversation_id, record_sha);
comment on table raw.analyses is
    'One row per distinct analysis record (SPEC 2.4); per conversation the newest analyzed_at '
    'wins, ties the latest loaded.';

create table raw.chatbots (
    chatbot_id       text not null,
    account_id       text not null,
    name             text,
    ab_test_enabled  boolean not null,
    record_sha       text not null,
    record           json not null,
    load_id          bigint not null,
    line_number      bigint not null
);
create unique index chatbots_identity_key on raw.chatbots (chatbot_id, record_sha);
comment on table raw.chatbots is
    'One row per distinct version of a chatbot record (SPEC 2.5); the latest loaded wins.';

-- One row per rejected input line. chatbot_id is filled when the line names one.
create table raw.quarantine (
    chatbot_id      text,
    kind            text not null,
    source_name     text not null,
    line_number     bigint not null,
    reason          text not null,
    detail          text not null,
    raw_line        text not null,
    line_sha        text not null,
    load_id         bigint not null references raw.loads,
    quarantined_at  timestamptz not null default now()
);
create unique index quarantine_identity_key
    on raw.quarantine (kind, source_name, line_number, line_sha);
comment on table raw.quarantine is
    'One row per input line that broke a rule of SPEC 2/3.1, with the reason; re-loading the '
    'same file adds nothing.';

-- Staging: the current version of each replaceable record (SPEC 2.2, 2.4, 2.5, 3.1).
create view staging.conversations as
select distinct on (chatbot_id, conversation_id)
    chatbot_id, conversation_id, user_token, started_at, load_id
from raw.conversations
order by chatbot_id, conversation_id, load_id desc, line_number desc;
comment on view staging.conversations is
    'One row per conversation: its latest loaded record.';

create view staging.analyses as
select distinct on (chatbot_id, conversation_id)
    chatbot_id, conversation_id, analyzed_at, products, intents, complaints,
    missing_information, mood, outcome, human_intervention_needed, load_id
from raw.analyses
order by chatbot_id, conversation_id, analyzed_at desc, load_id desc, line_number desc;
comment on view staging.analyses is
    'One row per analysed conversation: the newest analyzed_at, ties the latest loaded.';

create view staging.chatbots as
select distinct on (chatbot_id)
    chatbot_id, account_id, name, ab_test_enabled, load_id
from raw.chatbots
order by chatbot_id, load_id desc, line_number desc;
comment on view staging.chatbots is 'One row per chatbot: its latest loaded record.';

-- Currency rates (SPEC 2.6), edited by operators; a reference table shared by all tenants.
create table reference.currency_rates (
    currency     text primary key check (currency ~ '^[A-Z]{1,3}$'),
    eur_per_unit numeric not null check (eur_per_unit > 0),
    updated_at   timestamptz not null default now()
);
comment on table reference.currency_rates is 'One row per currency: 1 unit = eur_per_unit EUR.';
insert into reference.currency_rates (currency, eur_per_unit) values
    ('EUR', 1.0), ('USD', 0.92), ('GBP', 1.17), ('CZK', 0.041), ('PLN', 0.23), ('RON', 0.20),
    ('HUF', 0.0026), ('UAH', 0.024), ('CHF', 1.05), ('DKK', 0.134), ('SEK', 0.088),
    ('NOK', 0.086), ('BGN', 0.51), ('HRK', 0.133), ('RSD', 0.0085);
"""

DOWNGRADE = """
drop schema if exists staging cascade;
drop schema if exists reference cascade;
drop schema if exists marts cascade;
drop schema if exists raw cascade;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
