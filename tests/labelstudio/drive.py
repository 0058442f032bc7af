"""Drive a running Label Studio through its SDK, as two annotators would: run by the
Label Studio environment's own Python (its packages conflict with the project's).

    python drive.py PLAN.json

PLAN: {"url", "token", "config", "tasks", "export", "labels": {"<annotator email>":
{"<item id>": ["LABEL", "rationale"]}}}. The first annotator is the token's user; the
others are created, and their annotations are submitted with completed_by set to them.
"""

import json
import sys
from pathlib import Path

from label_studio_sdk import LabelStudio

plan = json.loads(Path(sys.argv[1]).read_text())
client = LabelStudio(base_url=plan["url"], api_key=plan["token"])
me = client.users.whoami()
users = {me.email: me.id}
for email in list(plan["labels"])[1:]:
    users[email] = client.users.create(username=email.split("@")[0], email=email, active_organization=1).id
project = client.projects.create(title=plan.get("title", "stance"), label_config=Path(plan["config"]).read_text())
client.projects.import_tasks(id=project.id, request=json.loads(Path(plan["tasks"]).read_text()))
tasks = list(client.tasks.list(project=project.id))
for task in tasks:
    item = task.data["id"]
    for email, labels in plan["labels"].items():
        if item not in labels:
            continue
        label, rationale = labels[item]
        result = [
            {"from_name": "stance", "to_name": "text", "type": "choices", "value": {"choices": [label]}},
            {"from_name": "rationale", "to_name": "text", "type": "textarea", "value": {"text": [rationale]}},
        ]
        client.annotations.create(id=task.id, result=result, completed_by=users[email], was_cancelled=False)
# The JSON export names a task's predictions by id; ask for the first task's.
guesses = [p.model_version for p in client.predictions.list(task=tasks[0].id)]
exported = client.projects.exports.as_json(project.id)
Path(plan["export"]).write_text(json.dumps(exported, ensure_ascii=False, indent=1))
print(json.dumps({"project": project.id, "tasks": len(tasks), "users": users, "first_task_predictions": guesses}))
