"""The real SAM transform (samtranslator) on a template, as `sam deploy` has CloudFormation run it.

Reads the template path from argv[1] and prints the transformed template as JSON, or the transform's own
errors with exit code 1. CodeUri and DefinitionUri become S3 locations, as `sam package` makes them: the
transform takes nothing else.
"""
import json
import sys

from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class NoManagedPolicies:
    """The template names no AWS managed policy, so the transform needs none of their ARNs."""

    def load(self):
        return {}


def packaged(template):
    template.get('Globals', {}).get('Function', {})['CodeUri'] = 's3://bucket/code.zip'
    for resource in template['Resources'].values():
        properties = resource.get('Properties', {})
        for key in ('CodeUri', 'DefinitionUri'):
            if isinstance(properties.get(key), str):
                properties[key] = f's3://bucket/{key}.zip'
    return template


def main():
    with open(sys.argv[1]) as source:
        template = packaged(yaml_parse(source.read()))
    try:
        print(json.dumps(transform(template, {}, NoManagedPolicies())))
    except InvalidDocumentException as invalid:
        print('\n'.join(str(cause) for cause in invalid.causes), file=sys.stderr)
        sys.exit(1)


main()
