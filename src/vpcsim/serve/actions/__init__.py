"""The action families: one module per family, each registering its actions with
``@action("Name")`` (:mod:`vpcsim.serve.registry` imports every module here)."""
