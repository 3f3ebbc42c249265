"""Faults injected on purpose, by tests and by the screenshot script (docs/screenshots)."""

# A faulty orders transform: every order it writes is counted a day after its purchase. The
# blocking check orders_counted_once catches it on the next merge of a load with purchases.
COUNT_ORDERS_LATE = """
create or replace function public.count_orders_late() returns trigger
language plpgsql as $$
begin
    new.created_at := new.created_at + interval '1 day';
    return new;
end $$;
create trigger count_orders_late before insert or update on marts.orders
for each row execute function public.count_orders_late();
"""
