"""open catalog: the merchant's own words, taxonomy family, size system, image-derived attributes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

COLUMNS = ('family', 'merchant_category', 'colour_names', 'size_system', 'inferred')


# In place, never a batch copy of products (see 0003: the copy would drop a table order lines point at).

def upgrade() -> None:
    op.add_column('products', sa.Column('family', sa.String(32), nullable=False, server_default=''))
    op.add_column('products', sa.Column('merchant_category', sa.String(200), nullable=False, server_default=''))
    op.add_column('products', sa.Column('colour_names', sa.JSON(), nullable=False, server_default='[]'))
    op.add_column('products', sa.Column('size_system', sa.String(16), nullable=False, server_default=''))
    op.add_column('products', sa.Column('inferred', sa.JSON(), nullable=False, server_default='{}'))
    op.create_index('ix_products_family', 'products', ['family'])


def downgrade() -> None:
    op.drop_index('ix_products_family', table_name='products')
    for column in reversed(COLUMNS):
        if op.get_bind().dialect.name == 'sqlite':
            op.execute(f'ALTER TABLE products DROP COLUMN {column}')  # SQLite 3.35+
        else:
            op.drop_column('products', column)
