"""products.active: a product a full import no longer lists is retired, not deleted

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 09:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


# Both ways in place, never a batch copy of products: on SQLite that copy drops the table, which
# the foreign keys of order lines forbid (and variants would cascade away with it).

def upgrade() -> None:
    op.add_column('products', sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE products DROP COLUMN active')  # SQLite 3.35+
    else:
        op.drop_column('products', 'active')
