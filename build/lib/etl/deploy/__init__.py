"""Registration of abi-etl with its Prefect server: `abi-etl register`.

One idempotent job (`register.register_all`) that the Compose stack runs once before
the workers start, and again on `make deploy`:

1. waits for the Prefect API (bounded) and checks the credentials (`api`);
2. applies the warehouse migrations and the BI role's read-only grants;
3. creates or updates the `process` work pool and its queue (`pool`);
4. registers the deployments of deploy/prefect.yaml with `prefect deploy` (`deployments`),
   after checking them against the `schedule:` section of the settings (`spec`);
5. creates or updates, by name, the notification blocks (`notifications`, `blocks`)
   and the automations that alert on failed, crashed and late runs (`automations`).

Everything is looked up by name and updated in place: a second run changes nothing.
"""
