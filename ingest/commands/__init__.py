"""Domain commands: the only write path into the operational store.

Each public command is called as `cmd(engine, actor_id, ...)`; see `base.command`.
"""
