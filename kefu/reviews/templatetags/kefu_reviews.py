from django import template

register = template.Library()


@register.simple_tag
def get_key(mapping: dict, key: str):
    """mapping[key] in a template (the first column of a figures table)."""
    return mapping.get(key, "")
